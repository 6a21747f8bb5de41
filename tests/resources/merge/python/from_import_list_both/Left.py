from os import path, sep, getcwd

X = 1
