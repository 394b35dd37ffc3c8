import KNModel

/// Why a simulation could not run or did not finish.
///
/// Every case names the place (sample, layer, time) and says what to change.
public enum SimulationError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The network itself is invalid (see ``KNModel/ModelError``).
    case invalidNetwork(ModelError)
    /// The input has the wrong number of values.
    case inputWidthMismatch(expected: Int, got: Int)
    /// An input value is NaN or infinite.
    case nonFiniteInput(index: Int, value: Double)
    /// An option does not fit the network (capacitance vector length, trajectory time, tolerance, …).
    case invalidOption(_ option: String, _ problem: String)
    /// The state does not fit a layer and upstream's chaining rules give no remedy.
    case dimensionMismatch(layer: Int, stateWidth: Int, nodeCount: Int, problem: String)
    /// The residual connection cannot be applied in this direction or with these widths.
    case residual(_ problem: String)
    /// A projector cannot be applied to the final state.
    case projector(_ keyword: String, _ problem: String)
    /// A SUNDIALS call failed. `flag` is SUNDIALS' return flag name (e.g. `CV_TOO_MUCH_WORK`).
    case solverFailure(layer: Int, time: Double, call: String, flag: String, message: String)
    /// A SUNDIALS object could not be created (out of memory or a library mismatch).
    case solverSetup(_ what: String)
    /// Sample `index` of a batch failed.
    indirect case sample(index: Int, SimulationError)

    public var description: String {
        switch self {
        case .invalidNetwork(let e):
            return "network: \(e.description)"
        case let .inputWidthMismatch(expected, got):
            return "input: has \(got) values but the network expects \(expected) (the encoder input width, or the first visited layer's node count); pass exactly \(expected) values"
        case let .nonFiniteInput(index, value):
            return "input[\(index)]: is \(value); every input value must be finite"
        case let .invalidOption(option, problem):
            return "option \(option): \(problem)"
        case let .dimensionMismatch(layer, width, n, problem):
            return "layer \(layer): the incoming state has \(width) values but the layer has \(n) nodes; \(problem)"
        case .residual(let problem):
            return "network.residual: \(problem)"
        case let .projector(keyword, problem):
            return "network.projector \(keyword): \(problem)"
        case let .solverFailure(layer, time, call, flag, message):
            let detail = message.isEmpty ? "" : " (\(message))"
            return "layer \(layer), t = \(time): \(call) failed with \(flag)\(detail); try a looser tolerance, a larger step budget (maxSteps) or the stiff method"
        case let .sample(index, error):
            return "sample \(index): \(error.description)"
        case .solverSetup(let what):
            return "SUNDIALS: could not create \(what); check that libsundials-dev 6.x is installed"
        }
    }
}
