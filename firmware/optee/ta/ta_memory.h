/* The TA's heap under its budget: every arena goes through here, so heap in use and at peak are exact and a
 * request over the budget is refused with need/have before TEE_Malloc is asked. */
#ifndef RTINFER_TA_MEMORY_H
#define RTINFER_TA_MEMORY_H

#include <stddef.h>
#include <stdint.h>

/* What the GP library itself keeps in the TA heap (operation and object handles), left out of the budget. */
#define TA_MEMORY_RESERVE (64u * 1024u)

/* The budget: the TA's heap (gpd.ta.dataSize) less TA_MEMORY_RESERVE. */
void ta_memory_init(void);
/* NULL when in_use + bytes would pass the budget (need = that sum, have = the budget) or TEE_Malloc fails. */
void *ta_memory_take(size_t bytes, uint64_t *need, uint64_t *have);
void ta_memory_give(void *block, size_t bytes);
uint64_t ta_memory_budget(void);
uint64_t ta_memory_in_use(void);
uint64_t ta_memory_peak(void);

#endif
