def get_config(path):
    return open(path).read()


def main():
    return get_config("a")
