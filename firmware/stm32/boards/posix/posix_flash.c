/* POSIX board: file-backed flash model. See posix_flash.h. */
#define _GNU_SOURCE
#include "posix_flash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define WRITE_UNIT 1u

static const port_sector_t k_sectors[] = {
    {0u, POSIX_FLASH_SLOT_BYTES, PORT_SECTOR_SLOT, 0u},
    {POSIX_FLASH_SLOT_BYTES, POSIX_FLASH_SLOT_BYTES, PORT_SECTOR_SLOT, 1u},
    {2u * POSIX_FLASH_SLOT_BYTES, POSIX_FLASH_META_BYTES, PORT_SECTOR_META, 0u},
};

static const port_storage_map_t k_map = {
    POSIX_FLASH_SIZE,
    WRITE_UNIT,
    (uint16_t)(sizeof k_sectors / sizeof k_sectors[0]),
    k_sectors,
};

static const port_storage_map_t k_empty_map = {0u, 1u, 0u, NULL};

static struct {
    int fd;
    uint8_t *mem;
    char path[4096];
} g_flash = {-1, NULL, {0}};

static int format(int fd)
{
    uint8_t ff[4096];
    memset(ff, PORT_STORAGE_ERASED, sizeof ff);
    if (ftruncate(fd, 0) != 0 || ftruncate(fd, (off_t)POSIX_FLASH_SIZE) != 0) {
        return -1;
    }
    for (off_t off = 0; off < (off_t)POSIX_FLASH_SIZE; off += (off_t)sizeof ff) {
        if (pwrite(fd, ff, sizeof ff, off) != (ssize_t)sizeof ff) {
            return -1;
        }
    }
    return 0;
}

int posix_flash_open(const char *path, char *err, size_t errlen, int *busy)
{
    *busy = 0;
    posix_flash_close();
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open storage %s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        *busy = (errno == EWOULDBLOCK);
        snprintf(err, errlen, "cannot lock storage %s: %s", path,
                 *busy ? "in use by another rtinfer-sim" : strerror(errno));
        close(fd);
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot stat storage %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (st.st_size != (off_t)POSIX_FLASH_SIZE) {
        if (st.st_size != 0) {
            fprintf(stderr, "rtinfer-sim: storage %s has %lld bytes, not %u: reformatting\n", path,
                    (long long)st.st_size, (unsigned)POSIX_FLASH_SIZE);
        }
        if (format(fd) != 0) {
            snprintf(err, errlen, "cannot format storage %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
    }
    void *mem = mmap(NULL, POSIX_FLASH_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mem == MAP_FAILED) {
        snprintf(err, errlen, "cannot map storage %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    g_flash.fd = fd;
    g_flash.mem = mem;
    snprintf(g_flash.path, sizeof g_flash.path, "%s", path);
    return 0;
}

void posix_flash_close(void)
{
    if (g_flash.mem != NULL) {
        (void)msync(g_flash.mem, POSIX_FLASH_SIZE, MS_SYNC);
        (void)munmap(g_flash.mem, POSIX_FLASH_SIZE);
        g_flash.mem = NULL;
    }
    if (g_flash.fd >= 0) {
        (void)close(g_flash.fd); /* releases the flock */
        g_flash.fd = -1;
    }
    g_flash.path[0] = '\0';
}

const char *posix_flash_path(void)
{
    return g_flash.path;
}

/* ------------------------------------------------------------ port.h -- */

const port_storage_map_t *port_storage_map(void)
{
    return g_flash.mem != NULL ? &k_map : &k_empty_map;
}

static int check_range(uint32_t addr, uint32_t len)
{
    if (g_flash.mem == NULL || addr > POSIX_FLASH_SIZE || len > POSIX_FLASH_SIZE - addr) {
        return PORT_STORAGE_ERANGE;
    }
    return PORT_STORAGE_OK;
}

int port_storage_erase(uint16_t index)
{
    if (g_flash.mem == NULL || index >= k_map.sector_count) {
        return PORT_STORAGE_ERANGE;
    }
    memset(g_flash.mem + k_sectors[index].addr, PORT_STORAGE_ERASED, k_sectors[index].size);
    return PORT_STORAGE_OK;
}

int port_storage_program(uint32_t addr, const void *data, uint32_t len)
{
    int rc = check_range(addr, len);
    if (rc != PORT_STORAGE_OK) {
        return rc;
    }
    if (addr % WRITE_UNIT != 0u || len % WRITE_UNIT != 0u) {
        return PORT_STORAGE_EALIGN;
    }
    const uint8_t *src = data;
    uint8_t *dst = g_flash.mem + addr;
    /* Check the whole request first, so a refused program changes nothing. */
    for (uint32_t i = 0; i < len; i++) {
        if ((uint8_t)(src[i] & (uint8_t)~dst[i]) != 0u) {
            return PORT_STORAGE_EBITS;
        }
    }
    for (uint32_t i = 0; i < len; i++) {
        dst[i] &= src[i];
    }
    return PORT_STORAGE_OK;
}

int port_storage_read(uint32_t addr, void *buf, uint32_t len)
{
    int rc = check_range(addr, len);
    if (rc != PORT_STORAGE_OK) {
        return rc;
    }
    memcpy(buf, g_flash.mem + addr, len);
    return PORT_STORAGE_OK;
}
