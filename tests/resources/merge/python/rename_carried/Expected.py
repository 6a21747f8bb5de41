def read_config(path):
    return open(path).read()


def main():
    return read_config("a")


def other():
    return read_config("b")
