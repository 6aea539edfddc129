/* SaNameT <-> struct ais_wire_name (same layout; the copy checks lengths). */
#ifndef AIS_LIBSA_NAME_H
#define AIS_LIBSA_NAME_H

#include <saAis.h>

#include "ipc.h"

/* SA_AIS_ERR_INVALID_PARAM if name is NULL or its length exceeds
 * SA_MAX_NAME_LENGTH.  Bytes past the length are zeroed on the wire. */
SaAisErrorT sa_name_to_wire(struct ais_wire_name *w, const SaNameT *name);

/* A length from the wire beyond SA_MAX_NAME_LENGTH is clamped. */
void sa_name_from_wire(SaNameT *name, const struct ais_wire_name *w);

#endif
