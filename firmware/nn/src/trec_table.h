/*
 * The reversed ID table of TREC (firmware/nn/TREC.md §3): cluster id -> centroid slot, for one sub-vector
 * column at a time, next to the centroid stack.
 *
 * Two-step replacement: the table is never cleared between columns. Step 1 reads the entry's slot; step 2
 * accepts it only if that slot is below the column's stack top AND the stack records this very table
 * position for it. Every other entry is dead (left by an earlier column, or never written) and is replaced in
 * place. Entries and stacked slots are thus in one-to-one correspondence: exactly `top` live entries, all of
 * this column. Live entries never die within a column, so linear-probe chains stay intact without tombstones.
 *
 * direct: 2^H entries, home = id (the paper's table). A live entry at position p was inserted by id p (an
 *         insert only ever lands on its home), so no probing ever happens.
 * hashed: 2^k >= 2 * rows entries, home = Fibonacci hash of id, linear probing at load <= 1/2.
 * Slot 0 is an ordinary slot: nothing uses 0 (or any value) to mean "unset".
 */
#ifndef RTINFER_NN_TREC_TABLE_H
#define RTINFER_NN_TREC_TABLE_H

#include <stdint.h>

typedef struct {
  uint32_t id, slot;
} trec_table_entry;

typedef struct {
  trec_table_entry *entries;
  uint32_t mask;      /* table size - 1 */
  uint8_t shift;      /* 32 - log2(table size), for the hashed home */
  uint8_t direct;
  uint32_t *position; /* the stack: for each centroid slot, the table position that owns it */
  uint32_t top;       /* slots in use in this column */
} trec_table;

/* The slot of `id` in this column; a new id is pushed (slot = top) and *pushed set to 1. */
static inline uint32_t trec_table_slot(trec_table *t, uint32_t id, int *pushed)
{
  uint32_t at = (t->direct ? id : (uint32_t)(id * 2654435769u) >> t->shift) & t->mask;
  for (;;) {
    trec_table_entry *e = &t->entries[at];
    if (!(e->slot < t->top && t->position[e->slot] == at)) {
      e->id = id;
      e->slot = t->top;
      t->position[t->top] = at;
      *pushed = 1;
      return t->top++;
    }
    if (e->id == id) {
      *pushed = 0;
      return e->slot;
    }
    at = (at + 1u) & t->mask;
  }
}

#endif
