def load_config(path):
    return open(path).read()


def main():
    return load_config("a")


def other():
    return load_config("b")
