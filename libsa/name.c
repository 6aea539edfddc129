/* Name conversion: see name.h. */
#include "name.h"

#include <string.h>

_Static_assert(sizeof(((struct ais_wire_name *)0)->value) == SA_MAX_NAME_LENGTH,
	"wire name and SaNameT must hold the same number of bytes");

SaAisErrorT sa_name_to_wire(struct ais_wire_name *w, const SaNameT *name)
{
	if (name == NULL || name->length > SA_MAX_NAME_LENGTH)
		return SA_AIS_ERR_INVALID_PARAM;
	memset(w, 0, sizeof *w);
	w->length = name->length;
	memcpy(w->value, name->value, name->length);
	return SA_AIS_OK;
}

void sa_name_from_wire(SaNameT *name, const struct ais_wire_name *w)
{
	uint16_t len = w->length > SA_MAX_NAME_LENGTH ? SA_MAX_NAME_LENGTH : w->length;
	memset(name, 0, sizeof *name);
	name->length = len;
	memcpy(name->value, w->value, len);
}
