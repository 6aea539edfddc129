/*
 * The version negotiation of saXxxInitialize (AIS B.01.01 overview, version
 * compatibility).  `supported` lists, per release code, the highest major
 * and minor version the library implements (every service here: B.01.01).
 *
 *   version NULL                      SA_AIS_ERR_INVALID_PARAM
 *   releaseCode supported and
 *   majorVersion <= its major         SA_AIS_OK; *version := that release
 *                                     code with its major and minor version
 *                                     (the required minorVersion is ignored)
 *   otherwise                         SA_AIS_ERR_VERSION; *version := the
 *     release code: the required one if supported, else the lowest
 *     supported one above it, else the highest supported one below it;
 *     with that release code's major and minor version.
 */
#ifndef AIS_LIBSA_VERSION_H
#define AIS_LIBSA_VERSION_H

#include <stddef.h>

#include <saAis.h>

/* The only version the libraries implement. */
#define SA_VERSION_B_01_01 { .releaseCode = 'B', .majorVersion = 1, .minorVersion = 1 }

SaAisErrorT sa_version_check(SaVersionT *version,
	const SaVersionT *supported, size_t nsupported);

#endif
