/* Shared by evs_send and evs_recv: the group and the message sizes of the cluster
 * benchmark.  A message's phase is its length; DONE_LEN marks a sender's end. */
#ifndef EVS_LOAD_H
#define EVS_LOAD_H

#include <stddef.h>

#define LOAD_GROUP "evs-bench"
#define DONE_LEN 3
static const size_t load_sizes[] = { 1, 1024, 4096, 8192, 16384, 65536 };
#define LOAD_NSIZES (sizeof load_sizes / sizeof load_sizes[0])

#endif
