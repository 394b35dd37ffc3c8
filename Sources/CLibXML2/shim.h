// libxml2 2.9 from Debian's libxml2-dev; include path from pkg-config libxml-2.0.
//
// Debian builds libxml2 with ICU, so <libxml/encoding.h> would include the system ICU headers
// (<unicode/ucnv.h>). Foundation on Linux ships its own, different ICU headers, and Clang then
// rejects the two definitions of UErrorCode. kn-toolkit never uses libxml2's encoding handlers,
// so the ICU part of the header is switched off here; the library itself is unchanged.
#ifndef KN_CLIBXML2_SHIM_H
#define KN_CLIBXML2_SHIM_H
#include <libxml/xmlversion.h>
#ifdef LIBXML_ICU_ENABLED
#undef LIBXML_ICU_ENABLED
#endif
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>
#endif
