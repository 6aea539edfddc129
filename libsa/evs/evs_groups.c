/* EVS: evs_join and evs_leave. */
#include "call.h"
#include "evs_internal.h"
#include "export.h"

_Static_assert(sizeof(struct evs_group) == sizeof(struct ais_evs_group),
	"struct evs_group travels as struct ais_evs_group");

static evs_error_t groups_request(uint32_t id, evs_handle_t handle,
	struct evs_group *groups, int group_entries)
{
	if (group_entries < 0 || (group_entries > 0 && groups == NULL))
		return EVS_ERR_INVALID_PARAM;
	if (id == AIS_EVS_JOIN && group_entries > AIS_EVS_MAX_GROUPS)
		return EVS_ERR_TOO_MANY_GROUPS;
	void *inst;
	SaAisErrorT err = sa_handle_get(&evs_handles, handle, &inst);
	if (err != SA_AIS_OK)
		return evs_error(err);

	struct ais_req_evs_groups req = {
		.header = { .id = id },
		.group_entries = (uint32_t)group_entries,
	};
	struct iovec iov[2] = {
		{ .iov_base = &req, .iov_len = sizeof req },
		{ .iov_base = groups, .iov_len = (size_t)group_entries * sizeof *groups },
	};
	struct ais_ipc_header res;
	err = sa_callv(inst, iov, 2, &res, sizeof res, SA_DEFAULT_TIMEOUT);
	sa_handle_put(inst);
	return evs_reply_error(err);
}

/* openais: more than 50 groups in one call is EVS_ERR_TOO_MANY_GROUPS; here
 * the limit (AIS_EVS_MAX_GROUPS, also 50) holds for the handle's distinct
 * groups, checked by the executive. */
SA_EXPORT evs_error_t evs_join(evs_handle_t handle, struct evs_group *groups,
	int group_entries)
{
	return groups_request(AIS_EVS_JOIN, handle, groups, group_entries);
}

/* A group the handle has not joined: EVS_ERR_NOT_EXIST, and the handle
 * leaves none of the groups given. */
SA_EXPORT evs_error_t evs_leave(evs_handle_t handle, struct evs_group *groups,
	int group_entries)
{
	return groups_request(AIS_EVS_LEAVE, handle, groups, group_entries);
}
