import os
import sys


def parse_args(argv):
    verbose = False
    for a in argv[1:]:
        if a == "-v":
            verbose = True
    return verbose


class Server:
    def __init__(self, port):
        self.port = port

    def start(self):
        return self.port


def main():
    return parse_args(sys.argv)
