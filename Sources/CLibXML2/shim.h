// libxml2 2.9 from Debian's libxml2-dev; include path from pkg-config libxml-2.0.
#ifndef KN_CLIBXML2_SHIM_H
#define KN_CLIBXML2_SHIM_H
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>
#endif
