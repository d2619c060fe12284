/* A sim flash image in a fresh temporary file, for firmware tests that run the app on the POSIX board's flash. */
#ifndef RTINFER_TEMP_FLASH_H
#define RTINFER_TEMP_FLASH_H

#include <stddef.h>

/* Creates $TMPDIR/<prefix>-XXXXXX (path: cap bytes) and opens it as the board's flash; exits the test on failure. */
void temp_flash_create(char *path, size_t cap, const char *prefix);

/* Opens an existing image again (after posix_flash_close(), to act out a power cycle); exits on failure. */
void temp_flash_reopen(const char *path);

/* Closes the flash and removes its file. */
void temp_flash_remove(const char *path);

#endif
