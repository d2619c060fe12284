/* A sim flash image in a fresh temporary file (see temp_flash.h). */
#define _POSIX_C_SOURCE 200809L
#include "temp_flash.h"

#include "posix_flash.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void temp_flash_create(char *path, size_t cap, const char *prefix)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, cap, "%s/%s-XXXXXX", dir != NULL && dir[0] ? dir : "/tmp", prefix);
    int fd = mkstemp(path);
    if (fd < 0) {
        perror("mkstemp");
        exit(1);
    }
    close(fd);
    temp_flash_reopen(path);
}

void temp_flash_reopen(const char *path)
{
    char err[256];
    int busy;
    if (posix_flash_open(path, err, sizeof err, &busy) != 0) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
}

void temp_flash_remove(const char *path)
{
    posix_flash_close();
    unlink(path);
}
