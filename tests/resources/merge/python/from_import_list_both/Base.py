from os import path, sep

X = 1
