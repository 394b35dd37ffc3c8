// SUNDIALS 6.4 from Debian's libsundials-dev (double precision, int64 indices).
#ifndef KN_CSUNDIALS_SHIM_H
#define KN_CSUNDIALS_SHIM_H

#include <sundials/sundials_context.h>
#include <sundials/sundials_types.h>
#include <nvector/nvector_serial.h>
#include <arkode/arkode.h>
#include <arkode/arkode_erkstep.h>
#include <arkode/arkode_butcher_erk.h>
#include <cvodes/cvodes.h>
#include <cvodes/cvodes_ls.h>
#include <sunmatrix/sunmatrix_sparse.h>
#include <sunnonlinsol/sunnonlinsol_fixedpoint.h>

// sunlinsol_klu.h includes <klu.h> from /usr/include/suitesparse, which a module map cannot
// add to the search path; the one constructor we use is declared here (SUNDIALS 6.4 signature).
SUNDIALS_EXPORT SUNLinearSolver SUNLinSol_KLU(N_Vector y, SUNMatrix A, SUNContext sunctx);

/// Pointer to the data array of a serial N_Vector (a macro in C).
static inline sunrealtype *kn_nvector_data(N_Vector v) { return N_VGetArrayPointer_Serial(v); }

#endif
