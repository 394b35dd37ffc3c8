/// An error found while importing a checkpoint or its `config.yaml`.
///
/// Every message is one line: the file, the place inside it (a zip entry and byte offset, a YAML line and key,
/// a tensor key), what is wrong, and how to fix it:
/// ```
/// /runs/mnist/model.pth: archive/data.pkl, byte 112: global os.system is not allowed; …
/// ```
public struct ImportError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Which stage of the import failed.
    public enum Kind: String, Equatable, Sendable {
        /// The zip container (entries, sizes, offsets).
        case archive
        /// The pickle program in `data.pkl`.
        case pickle
        /// A tensor (dtype, shape, strides, storage bounds, values).
        case tensor
        /// `config.yaml`.
        case config
        /// The checkpoint and the config disagree (keys, shapes).
        case mismatch
    }

    public var kind: Kind
    /// The file at fault, as the caller named it.
    public var file: String
    /// The place inside the file (`archive/data.pkl, byte 112`, `line 12, simulation.tol`, a tensor key), if known.
    public var location: String?
    /// What is wrong.
    public var problem: String
    /// What the user can do about it.
    public var fix: String?

    /// Creates an error; `location`, when given, is printed between the file and the problem.
    public init(_ kind: Kind, file: String, location: String? = nil, problem: String, fix: String? = nil) {
        self.kind = kind
        self.file = file
        self.location = location
        self.problem = problem
        self.fix = fix
    }

    /// `file: location: problem; fix` on one line.
    public var description: String {
        var text = file
        if let location { text += ": " + location }
        text += ": " + problem
        if let fix { text += "; " + fix }
        return text.replacingOccurrences(of: "\n", with: " ")
    }
}
