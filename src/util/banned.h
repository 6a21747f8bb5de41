/*
 * banned.h: libc functions that invite overflows or hidden global state.
 * Included last by src/common.h so a use becomes a compile error.
 */
#ifndef BRAID_BANNED_H
#define BRAID_BANNED_H

#define BRAID_BANNED(func) sorry_##func##_is_banned_in_braid

#undef strcpy
#define strcpy(x, y) BRAID_BANNED(strcpy)
#undef strcat
#define strcat(x, y) BRAID_BANNED(strcat)
#undef sprintf
#define sprintf(...) BRAID_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BRAID_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BRAID_BANNED(strtok)
#undef gmtime
#define gmtime(x) BRAID_BANNED(gmtime)
#undef localtime
#define localtime(x) BRAID_BANNED(localtime)
#undef gets
#define gets(x) BRAID_BANNED(gets)

#endif
