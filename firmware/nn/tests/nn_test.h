/* What the firmware/nn test programs share: CHECK with a printf-style message, and a main() that runs the case
 * named by argv[1] (every case without one). Header-only: each test program is one translation unit. */
#ifndef RTINFER_NN_TEST_H
#define RTINFER_NN_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read_whole_file.h"

static int failures;
#define CHECK(condition, ...)                                                  \
  do {                                                                         \
    if (!(condition)) {                                                        \
      failures++;                                                              \
      fprintf(stderr, "%s:%d: FAILED %s: ", __FILE__, __LINE__, #condition);   \
      fprintf(stderr, __VA_ARGS__);                                            \
      fputc('\n', stderr);                                                     \
    }                                                                          \
  } while (0)

typedef struct {
  const char *name;
  void (*run)(void);
} nn_test_case;

/* The whole file (read_whole_file.h): the name the test programs call it by. */
#define nn_test_read_file read_whole_file

/* 0 if every check passed, 1 if one failed, 2 if argv[1] names no case. */
static inline int nn_test_main(int argc, char **argv, const nn_test_case *cases, size_t count) {
  int ran = 0;
  for (size_t i = 0; i < count; i++) {
    if (argc >= 2 && strcmp(argv[1], cases[i].name) != 0) continue;
    cases[i].run();
    ran++;
  }
  if (!ran) {
    fprintf(stderr, "no test named %s\n", argv[1]);
    return 2;
  }
  if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
  return failures ? 1 : 0;
}

#endif
