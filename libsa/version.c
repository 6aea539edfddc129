/* Version negotiation: see version.h. */
#include "version.h"

SaAisErrorT sa_version_check(SaVersionT *version,
	const SaVersionT *supported, size_t nsupported)
{
	if (version == NULL)
		return SA_AIS_ERR_INVALID_PARAM;
	if (nsupported == 0)
		return SA_AIS_ERR_VERSION;

	unsigned char want = (unsigned char)version->releaseCode;
	const SaVersionT *same = NULL, *above = NULL, *below = NULL;
	for (size_t i = 0; i < nsupported; i++) {
		const SaVersionT *v = &supported[i];
		unsigned char rc = (unsigned char)v->releaseCode;
		if (rc == want)
			same = v;
		else if (rc > want && (above == NULL || rc < (unsigned char)above->releaseCode))
			above = v;
		else if (rc < want && (below == NULL || rc > (unsigned char)below->releaseCode))
			below = v;
	}

	if (same != NULL && version->majorVersion <= same->majorVersion) {
		*version = *same;
		return SA_AIS_OK;
	}
	*version = same != NULL ? *same : above != NULL ? *above : *below;
	return SA_AIS_ERR_VERSION;
}
