from os import path, sep, getcwd, listdir

X = 1
