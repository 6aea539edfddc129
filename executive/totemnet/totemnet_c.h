/*
 * totemnet_c.h - what C programs include to use libtotemnet.  totemnet.h must
 * stay readable by cffi's cdef (no includes, no guards), so the guard and the
 * system headers it needs live here.
 */
#ifndef TOTEMNET_C_H
#define TOTEMNET_C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "totemnet.h"

#ifdef __cplusplus
}
#endif

#endif /* TOTEMNET_C_H */
