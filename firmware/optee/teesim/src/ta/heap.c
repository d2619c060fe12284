/* TEE_Malloc/TEE_Realloc/TEE_Free against the TA's heap cap (TA_DATA_SIZE).
 * Host malloc backs each block; a header remembers its size so the accounting is exact: in use and peak
 * count what the TA asked for, to the byte. OP-TEE's bget pool also spends a few bytes per block on its
 * own headers, and libutee puts its handles in the same pool, so a TA should keep a little slack. */
#include "teesim_ta.h"

#include <stdlib.h>
#include <string.h>
#include <tee_internal_api_extensions.h>
#include <teesim_ext.h>

/* 16 bytes, so the TA's blocks keep malloc's alignment. */
struct block_header {
	uint64_t size;
	uint64_t magic;
};
#define BLOCK_MAGIC 0x7465657369684850ull

static struct teesim_heap_stats stats;
/* OP-TEE returns this for a zero-sized request: not NULL, never dereferenced, TEE_Free ignores it. */
static uint8_t null_sized_block;

void teesim_heap_init(size_t cap)
{
	memset(&stats, 0, sizeof(stats));
	stats.cap = cap;
}

static struct block_header *header_of(void *buffer)
{
	struct block_header *h = (struct block_header *)buffer - 1;
	if (h->magic != BLOCK_MAGIC)
		teesim_panic_msg(TEE_ERROR_BAD_PARAMETERS, "TEE_Free/TEE_Realloc of a pointer TEE_Malloc did not return");
	return h;
}

static bool fits(size_t more)
{
	if (more <= stats.cap - stats.in_use)
		return true;
	stats.failed++;
	if (more > stats.biggest_failed)
		stats.biggest_failed = more;
	return false;
}

static void account(size_t freed, size_t taken)
{
	stats.in_use = stats.in_use - freed + taken;
	if (stats.in_use > stats.peak)
		stats.peak = stats.in_use;
}

void *TEE_Malloc(uint32_t size, uint32_t hint)
{
	if (size == 0)
		return &null_sized_block;
	if (hint != TEE_MALLOC_FILL_ZERO && hint != TEE_USER_MEM_HINT_NO_FILL_ZERO)
		return NULL; /* OP-TEE 3.19 refuses other hints the same way */
	if (!fits(size))
		return NULL;
	struct block_header *h = malloc(sizeof(*h) + size);
	if (!h)
		return NULL;
	h->size = size;
	h->magic = BLOCK_MAGIC;
	/* Both hints zero-fill here: a stale-data bug should not hide behind teesim's malloc. */
	memset(h + 1, 0, size);
	account(0, size);
	return h + 1;
}

void TEE_Free(void *buffer)
{
	if (!buffer || buffer == &null_sized_block)
		return;
	struct block_header *h = header_of(buffer);
	account(h->size, 0);
	h->magic = 0;
	free(h);
}

void *TEE_Realloc(void *buffer, uint32_t new_size)
{
	if (new_size == 0) {
		TEE_Free(buffer);
		return &null_sized_block;
	}
	if (!buffer || buffer == &null_sized_block)
		return TEE_Malloc(new_size, TEE_MALLOC_FILL_ZERO);
	struct block_header *h = header_of(buffer);
	size_t old = h->size;
	if (new_size > old && !fits(new_size - old))
		return NULL;
	struct block_header *n = realloc(h, sizeof(*n) + new_size);
	if (!n)
		return NULL;
	if (new_size > old)
		memset((uint8_t *)(n + 1) + old, 0, new_size - old);
	n->size = new_size;
	account(old, new_size);
	return n + 1;
}

void teesim_heap_get_stats(struct teesim_heap_stats *out)
{
	*out = stats;
}

void teesim_heap_reset_peak(void)
{
	stats.peak = stats.in_use;
	stats.failed = 0;
	stats.biggest_failed = 0;
}

void malloc_get_stats(struct malloc_stats *out)
{
	memset(out, 0, sizeof(*out));
	strncpy(out->desc, "teesim TA heap", sizeof(out->desc) - 1);
	out->allocated = (uint32_t)stats.in_use;
	out->max_allocated = (uint32_t)stats.peak;
	out->size = (uint32_t)stats.cap;
	out->num_alloc_fail = stats.failed;
	out->biggest_alloc_fail = (uint32_t)stats.biggest_failed;
}

void malloc_reset_stats(void)
{
	teesim_heap_reset_peak();
}
