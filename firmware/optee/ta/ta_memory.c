/* Heap accounting under the budget: see ta_memory.h. */
#include "ta_memory.h"

#include <tee_internal_api.h>

static uint64_t s_budget, s_in_use, s_peak;

void ta_memory_init(void) {
  uint32_t heap = 0;
  if (TEE_GetPropertyAsU32(TEE_PROPSET_CURRENT_TA, "gpd.ta.dataSize", &heap) != TEE_SUCCESS) heap = 0;
  s_budget = heap > TA_MEMORY_RESERVE ? heap - TA_MEMORY_RESERVE : 0;
  s_in_use = 0;
  s_peak = 0;
}

void *ta_memory_take(size_t bytes, uint64_t *need, uint64_t *have) {
  *need = s_in_use + bytes;
  *have = s_budget;
  if (bytes == 0 || bytes > UINT32_MAX || s_in_use + bytes > s_budget) return NULL;
  void *block = TEE_Malloc((uint32_t)bytes, TEE_MALLOC_FILL_ZERO);
  if (!block) return NULL;
  s_in_use += bytes;
  if (s_in_use > s_peak) s_peak = s_in_use;
  return block;
}

void ta_memory_give(void *block, size_t bytes) {
  if (!block) return;
  TEE_Free(block);
  s_in_use -= bytes;
}

uint64_t ta_memory_budget(void) { return s_budget; }
uint64_t ta_memory_in_use(void) { return s_in_use; }
uint64_t ta_memory_peak(void) { return s_peak; }
