/// An error in a network description: a config key, a layer or a model file that does not describe a valid network.
public enum ModelError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A setting is invalid. `place` names the key or layer; `problem` says what is wrong and how to fix it.
    case invalid(_ place: String, _ problem: String)
    /// A model file cannot be read. `path` is the file, `problem` the reason.
    case unreadableModelFile(path: String, problem: String)

    public var description: String {
        switch self {
        case let .invalid(place, problem): return "\(place): \(problem)"
        case let .unreadableModelFile(path, problem): return "\(path): \(problem)"
        }
    }
}
