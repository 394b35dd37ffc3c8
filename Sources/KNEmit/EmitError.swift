/// Why a netlist could not be written.
public enum EmitError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A setting or input is invalid. `place` names it; `problem` says what is wrong and how to fix it.
    case invalid(_ place: String, _ problem: String)
    /// The network uses a part that the emitted circuit cannot represent. `place` names the part.
    case unsupported(_ place: String, _ problem: String)
    /// The output file could not be written.
    case cannotWrite(path: String, problem: String)

    public var description: String {
        switch self {
        case let .invalid(place, problem): return "\(place): \(problem)"
        case let .unsupported(place, problem): return "\(place): cannot be built as a circuit: \(problem)"
        case let .cannotWrite(path, problem): return "\(path): cannot write: \(problem)"
        }
    }
}
