/* teesim's extensions for a TA: what OP-TEE offers outside the GP API, under teesim's own names.
 * Build a TA so that it includes this only when TEESIM is defined (teesim_add_ta() defines it). */
#ifndef TEESIM_EXT_H
#define TEESIM_EXT_H

#include <stddef.h>
#include <stdint.h>

/* The TA heap (TEE_Malloc/TEE_Realloc), capped at TA_DATA_SIZE: bytes the TA asked for, exactly. */
struct teesim_heap_stats {
	size_t cap;		/* TA_DATA_SIZE */
	size_t in_use;
	size_t peak;		/* since the instance started, or since teesim_heap_reset_peak() */
	uint32_t failed;	/* allocations refused (over the cap) */
	size_t biggest_failed;	/* the largest refused request */
};
void teesim_heap_get_stats(struct teesim_heap_stats *stats);
void teesim_heap_reset_peak(void);

/* The same figures under OP-TEE's names: OP-TEE built with CFG_WITH_STATS=y gives a TA
 * malloc_get_stats() from <malloc.h>, with this layout. */
#define TEE_ALLOCATOR_DESC_LENGTH 32
struct malloc_stats {
	char desc[TEE_ALLOCATOR_DESC_LENGTH];
	uint32_t allocated;		  /* Bytes currently allocated */
	uint32_t max_allocated;		  /* Tracks max value of allocated */
	uint32_t size;			  /* Total size for this allocator */
	uint32_t num_alloc_fail;	  /* Number of failed alloc requests */
	uint32_t biggest_alloc_fail;	  /* Size of biggest failed alloc */
	uint32_t biggest_alloc_fail_used; /* Alloc bytes when above occurred */
};
void malloc_get_stats(struct malloc_stats *stats);
void malloc_reset_stats(void);

#endif
