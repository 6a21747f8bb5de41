from os import path, sep, listdir

X = 1
