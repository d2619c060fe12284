/* A real container in the model store, for firmware tests that run the whole app on the POSIX board's flash. */
#ifndef RTINFER_STORE_CONTAINER_H
#define RTINFER_STORE_CONTAINER_H

#include <stddef.h>
#include <stdint.h>

/* Reads up to cap bytes of the file at path into out; returns how many. A file that cannot be opened fails the
 * test and exits. */
size_t test_read_file(const char *path, uint8_t *out, size_t cap);

/* Stores the container file at path in slot 0 through the model store (begin, every block, commit), verified and
 * active, under model_id; the bytes pass through buf (cap bytes, at least the file's size). Every step is CHECKed
 * to return MODEL_OK. Returns the container's size. */
size_t test_store_container(const char *path, const char *model_id, uint8_t *buf, size_t cap);

#endif
