/*
 * The firmware allocates nothing (port.h, app.h: all state is static). newlib
 * still references _sbrk from malloc; this one always fails, so an accidental
 * malloc returns NULL at once instead of silently carving up the stack's RAM.
 * Nothing else from the newlib syscall layer is provided on purpose: pulling
 * in printf or file I/O fails at link time.
 */
#include <errno.h>
#include <stddef.h>

void *_sbrk(ptrdiff_t increment);

void *_sbrk(ptrdiff_t increment)
{
    (void)increment;
    errno = ENOMEM;
    return (void *)-1;
}
