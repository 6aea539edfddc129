/*
 * totemdrv_c.h - what C programs include to use libtotemdrv.  totemdrv.h must
 * stay readable by cffi's cdef (no includes, no guards), so the guard and the
 * headers it needs live here.
 */
#ifndef TOTEMDRV_C_H
#define TOTEMDRV_C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "totemdrv.h"

#ifdef __cplusplus
}
#endif

#endif /* TOTEMDRV_C_H */
