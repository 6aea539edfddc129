/* Marks the public entry points of a service library.  Everything else is built
 * with -fvisibility=hidden, and each library's version script exports exactly
 * its B.01.01 functions under the openais symbol version node. */
#ifndef AIS_LIBSA_EXPORT_H
#define AIS_LIBSA_EXPORT_H

#define SA_EXPORT __attribute__((visibility("default")))

#endif
