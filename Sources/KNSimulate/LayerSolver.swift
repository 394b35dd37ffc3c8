import CSundials
import Foundation
import KNModel

/// What one layer integration needs besides the initial state.
struct LayerProblem {
    let kernel: LayerKernel
    /// The index of the layer in the network (for messages).
    let layer: Int
    /// The state width D ≥ N (wider states keep the extra values constant, as upstream's augmented block).
    let width: Int
    /// Integrate `logp` as an extra last component, `d logp/dt = −tr(∂f/∂v)`.
    let logDensity: Bool
    let method: IntegrationMethod
    /// The network's `simulation` section (tolerance, first and minimum step of `dopri5`).
    let settings: SolverSettings
    let maxSteps: Int
    /// The Jacobian pattern for the stiff method, if already built for this width (else it is built here).
    var pattern: JacobianPattern? = nil
}

/// One layer integration on SUNDIALS: owns the integrator memory, the state vector and, for the stiff
/// method, the sparse matrix and the KLU solver; frees them all in `deinit`. Used by one thread.
final class LayerSolver {
    let problem: LayerProblem
    private let context: SundialsContext
    private var workspace = KernelWorkspace()
    private let pattern: JacobianPattern?
    /// The last error message SUNDIALS reported through the error handler.
    private(set) var message = ""
    private var vector: N_Vector? = nil
    private var memory: UnsafeMutableRawPointer? = nil
    private var matrix: SUNMatrix? = nil
    private var linearSolver: SUNLinearSolver? = nil
    private var nonlinearSolver: SUNNonlinearSolver? = nil
    private(set) var time: Double

    private var dimension: Int { problem.width + (problem.logDensity ? 1 : 0) }
    private var isExplicit: Bool { if case .dopri5 = problem.method { return true } else { return false } }

    /// Sets up the integrator at time `start` with `state` (and `logDensity` when integrated), integrating
    /// towards `end` (which may lie before `start`: backward in time) and never past it.
    init(problem: LayerProblem, context: SundialsContext, state: [Double], logDensity: Double,
         start: Double, end: Double) throws(SimulationError) {
        self.problem = problem
        self.context = context
        self.time = start
        if case .stiff = problem.method {
            let n = problem.width + (problem.logDensity ? 1 : 0)
            if let cached = problem.pattern, cached.dimension == n {
                pattern = cached
            } else {
                pattern = JacobianPattern(kernel: problem.kernel, dimension: n)
            }
        } else {
            pattern = nil
        }
        try configure(state: state, logDensity: logDensity, start: start, end: end)
    }

    deinit {
        if memory != nil {
            if isExplicit { ERKStepFree(&memory) } else { CVodeFree(&memory) }
        }
        if let linearSolver { SUNLinSolFree(linearSolver) }
        if let matrix { SUNMatDestroy(matrix) }
        if let nonlinearSolver { SUNNonlinSolFree(nonlinearSolver) }
        if let vector { N_VDestroy(vector) }
    }

    private func configure(state: [Double], logDensity: Double, start: Double, end: Double) throws(SimulationError) {
        let n = dimension
        guard let y = N_VNew_Serial(Int64(n), context.raw) else { throw .solverSetup("a state vector of \(n) values") }
        vector = y
        let data = N_VGetArrayPointer_Serial(y)!
        for k in 0..<problem.width { data[k] = state[k] }
        if problem.logDensity { data[problem.width] = logDensity }
        let me = Unmanaged.passUnretained(self).toOpaque()
        let rhs: @convention(c) (Double, N_Vector?, N_Vector?, UnsafeMutableRawPointer?) -> Int32 = { _, y, ydot, user in
            Unmanaged<LayerSolver>.fromOpaque(user!).takeUnretainedValue().rightHandSide(y!, ydot!)
        }
        let errors: @convention(c) (Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeMutablePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = { code, _, function, msg, user in
            guard code < 0, let user else { return }
            let solver = Unmanaged<LayerSolver>.fromOpaque(user).takeUnretainedValue()
            let f = function.map { String(cString: $0) } ?? ""
            solver.message = (f.isEmpty ? "" : f + ": ") + (msg.map { String(cString: $0) } ?? "")
        }

        switch problem.method {
        case .dopri5:
            guard let mem = ERKStepCreate(rhs, start, y, context.raw) else { throw .solverSetup("ERKStep memory") }
            memory = mem
            let s = problem.settings
            try check(ERKStepSetErrHandlerFn(mem, errors, me), "ERKStepSetErrHandlerFn")
            try check(ERKStepSetUserData(mem, me), "ERKStepSetUserData")
            try check(ERKStepSetTableNum(mem, ARKODE_DORMAND_PRINCE_7_4_5), "ERKStepSetTableNum")
            try check(ERKStepSStolerances(mem, s.tolerance, s.tolerance), "ERKStepSStolerances")
            // torchdiffeq's controller: h ← h · clamp(0.9 · err^(−1/5), 0.2, 10), never shrinking an accepted step.
            try check(ERKStepSetAdaptivityMethod(mem, 2, 1, 1, nil), "ERKStepSetAdaptivityMethod")
            try check(ERKStepSetSafetyFactor(mem, 0.9), "ERKStepSetSafetyFactor")
            try check(ERKStepSetMaxGrowth(mem, 10), "ERKStepSetMaxGrowth")
            try check(ERKStepSetMaxFirstGrowth(mem, 10), "ERKStepSetMaxFirstGrowth")
            try check(ERKStepSetMinReduction(mem, 0.2), "ERKStepSetMinReduction")
            try check(ERKStepSetMaxEFailGrowth(mem, 1), "ERKStepSetMaxEFailGrowth")
            try check(ERKStepSetFixedStepBounds(mem, 0.01, 1), "ERKStepSetFixedStepBounds")
            if s.firstStep > 0 {
                try check(ERKStepSetInitStep(mem, end >= start ? s.firstStep : -s.firstStep), "ERKStepSetInitStep")
            }
            if s.minStep > 0 { try check(ERKStepSetMinStep(mem, s.minStep), "ERKStepSetMinStep") }
            try check(ERKStepSetMaxNumSteps(mem, problem.maxSteps), "ERKStepSetMaxNumSteps")
            try check(ERKStepSetStopTime(mem, end), "ERKStepSetStopTime")

        case let .exact(rtol, atol), let .stiff(rtol, atol):
            let stiff: Bool
            if case .stiff = problem.method { stiff = true } else { stiff = false }
            guard let mem = CVodeCreate(stiff ? CV_BDF : CV_ADAMS, context.raw) else { throw .solverSetup("CVODES memory") }
            memory = mem
            try check(CVodeSetErrHandlerFn(mem, errors, me), "CVodeSetErrHandlerFn")
            try check(CVodeInit(mem, rhs, start, y), "CVodeInit")
            try check(CVodeSetUserData(mem, me), "CVodeSetUserData")
            try check(CVodeSStolerances(mem, rtol, atol), "CVodeSStolerances")
            try check(CVodeSetMaxNumSteps(mem, problem.maxSteps), "CVodeSetMaxNumSteps")
            try check(CVodeSetStopTime(mem, end), "CVodeSetStopTime")
            if stiff, let pattern {
                guard let a = SUNSparseMatrix(Int64(n), Int64(n), Int64(pattern.rowIndices.count), CSC_MAT, context.raw) else {
                    throw .solverSetup("a sparse \(n)×\(n) matrix with \(pattern.rowIndices.count) entries")
                }
                matrix = a
                guard let ls = SUNLinSol_KLU(y, a, context.raw) else { throw .solverSetup("the KLU linear solver") }
                linearSolver = ls
                try check(CVodeSetLinearSolver(mem, ls, a), "CVodeSetLinearSolver")
                let jac: @convention(c) (Double, N_Vector?, N_Vector?, SUNMatrix?, UnsafeMutableRawPointer?, N_Vector?, N_Vector?, N_Vector?) -> Int32 = { _, y, _, j, user, _, _, _ in
                    Unmanaged<LayerSolver>.fromOpaque(user!).takeUnretainedValue().jacobian(y!, j!)
                }
                try check(CVodeSetJacFn(mem, jac), "CVodeSetJacFn")
            } else {
                guard let nls = SUNNonlinSol_FixedPoint(y, 0, context.raw) else {
                    throw .solverSetup("the fixed-point nonlinear solver")
                }
                nonlinearSolver = nls
                try check(CVodeSetNonlinearSolver(mem, nls), "CVodeSetNonlinearSolver")
            }
        }
    }

    /// Integrates to `target` (between the start and the end given at set-up) and returns the state there,
    /// followed by `logp` when integrated.
    func advance(to target: Double) throws(SimulationError) -> [Double] {
        guard let y = vector, let mem = memory else { throw .solverSetup("an integrator (set-up incomplete)") }
        var reached = time
        let flag: Int32
        if isExplicit {
            flag = ERKStepEvolve(mem, target, y, &reached, ARK_NORMAL)
        } else {
            flag = CVode(mem, target, y, &reached, CV_NORMAL)
        }
        if flag < 0 {
            let name = isExplicit ? "ERKStepEvolve" : "CVode"
            throw .solverFailure(layer: problem.layer, time: reached, call: name, flag: Self.flagName(flag, explicit: isExplicit),
                                 message: message)
        }
        time = reached
        let data = N_VGetArrayPointer_Serial(y)!
        return Array(UnsafeBufferPointer(start: data, count: dimension))
    }

    /// Solver counters so far.
    func statistics() -> LayerStatistics {
        var rhs = 0, steps = 0, jacobians = 0
        if let mem = memory {
            if isExplicit {
                _ = ERKStepGetNumRhsEvals(mem, &rhs)
                _ = ERKStepGetNumSteps(mem, &steps)
            } else {
                _ = CVodeGetNumRhsEvals(mem, &rhs)
                _ = CVodeGetNumSteps(mem, &steps)
                if linearSolver != nil { _ = CVodeGetNumJacEvals(mem, &jacobians) }
            }
        }
        return LayerStatistics(layer: problem.layer, rightHandSideEvaluations: rhs, steps: steps, jacobianEvaluations: jacobians)
    }

    private func rightHandSide(_ y: N_Vector, _ ydot: N_Vector) -> Int32 {
        let v = N_VGetArrayPointer_Serial(y)!
        let out = N_VGetArrayPointer_Serial(ydot)!
        let tr = problem.kernel.evaluate(state: v, width: problem.width, derivative: out, workspace: &workspace,
                                         trace: problem.logDensity)
        if problem.logDensity { out[problem.width] = -tr }
        for k in 0..<dimension where !out[k].isFinite {
            message = "the right-hand side is \(out[k]) at state index \(k)"
            return 1
        }
        return 0
    }

    private func jacobian(_ y: N_Vector, _ j: SUNMatrix) -> Int32 {
        guard let pattern else { return -1 }
        let starts = SUNSparseMatrix_IndexPointers(j)!
        let rows = SUNSparseMatrix_IndexValues(j)!
        let values = SUNSparseMatrix_Data(j)!
        let nnz = pattern.rowIndices.count
        pattern.columnStarts.withUnsafeBufferPointer { starts.update(from: $0.baseAddress!, count: $0.count) }
        pattern.rowIndices.withUnsafeBufferPointer { rows.update(from: $0.baseAddress!, count: nnz) }
        values.update(repeating: 0, count: nnz)
        // The log-density row (−∂tr/∂v) is left out: it only feeds logp, so Newton still converges.
        problem.kernel.fillJacobian(state: N_VGetArrayPointer_Serial(y)!, pattern: pattern, values: values,
                                    workspace: &workspace)
        return 0
    }

    private func check(_ flag: Int32, _ call: String) throws(SimulationError) {
        guard flag >= 0 else {
            throw .solverFailure(layer: problem.layer, time: time, call: call, flag: Self.flagName(flag, explicit: isExplicit),
                                 message: message)
        }
    }

    static func flagName(_ flag: Int32, explicit: Bool) -> String {
        guard let c = explicit ? ERKStepGetReturnFlagName(Int(flag)) : CVodeGetReturnFlagName(Int(flag)) else {
            return "flag \(flag)"
        }
        defer { free(c) }
        return String(cString: c)
    }
}
