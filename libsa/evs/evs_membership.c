/* EVS: evs_membership_get. */
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "evs_internal.h"
#include "export.h"

/* As in openais: *member_list_entries is the capacity of member_list on
 * input; on output the number of members stored, at most that capacity
 * (the list is cut short without an error).  local_nodeid and member_list
 * may be NULL. */
SA_EXPORT evs_error_t evs_membership_get(evs_handle_t handle,
	unsigned int *local_nodeid, unsigned int *member_list,
	unsigned int *member_list_entries)
{
	if (member_list_entries == NULL)
		return EVS_ERR_INVALID_PARAM;
	void *inst;
	SaAisErrorT err = sa_handle_get(&evs_handles, handle, &inst);
	if (err != SA_AIS_OK)
		return evs_error(err);

	struct ais_ipc_header req = { .id = AIS_EVS_MEMBERSHIP_GET };
	void *frame;
	size_t size;
	err = sa_call_alloc(inst, &req, sizeof req, &frame, &size, SA_DEFAULT_TIMEOUT);
	sa_handle_put(inst);
	if (err != SA_AIS_OK) {
		free(frame);
		return evs_reply_error(err);
	}
	const struct ais_res_evs_membership_get *res = frame;
	if (size < sizeof *res || (size - sizeof *res) % sizeof res->member_list[0] != 0 ||
	    res->member_list_entries != (size - sizeof *res) / sizeof res->member_list[0]) {
		free(frame);
		return EVS_ERR_LIBRARY;
	}
	if (local_nodeid != NULL)
		*local_nodeid = res->local_nodeid;
	unsigned int n = res->member_list_entries;
	if (n > *member_list_entries)
		n = *member_list_entries;
	if (member_list != NULL && n > 0)
		memcpy(member_list, res->member_list, n * sizeof member_list[0]);
	*member_list_entries = n;
	free(frame);
	return EVS_OK;
}
