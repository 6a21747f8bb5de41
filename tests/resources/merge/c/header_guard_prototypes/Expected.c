#ifndef UTIL_H
#define UTIL_H

int util_open(const char *path);
int util_close(int fd);
int util_read(int fd, char *buf);
int util_write(int fd, const char *buf);

#endif
