import Foundation

/// One problem libxml2 found in an XML file: where it is and which rule it breaks.
public struct XMLIssue: Sendable, Hashable, CustomStringConvertible {
    /// 1-based line in the file, or 0 when libxml2 could not tell.
    public var line: Int
    /// libxml2's message, naming the element and the schema rule.
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}

/// Everything that can go wrong while reading a process description, installing its models or
/// running the characterization simulations. Every case names the file and says how to fix it.
public enum ProcessError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file could not be read at all.
    case unreadable(file: String, reason: String)
    /// The file is not well-formed XML.
    case malformedXML(file: String, issues: [XMLIssue])
    /// The schema itself could not be compiled.
    case invalidSchema(file: String, issues: [XMLIssue])
    /// The file is well-formed but breaks a rule of `pdk/kn-pdk.xsd`.
    case schemaViolation(file: String, schema: String, issues: [XMLIssue])
    /// The file passes the schema but its values contradict each other.
    case inconsistent(file: String, line: Int, message: String, fix: String)
    /// A requested corner, device or capacitor is not in the description.
    case unknownName(file: String, kind: String, name: String, known: [String])
    /// The foundry model files are not where the description says they are.
    case modelsNotInstalled(process: String, missing: String, fix: String)
    /// A simulator run failed.
    case simulationFailed(netlist: String, status: Int32, output: String)
    /// The simulator's output could not be understood.
    case unexpectedSimulatorOutput(file: String, message: String)
    /// A measured table or fit cannot answer the question asked.
    case outOfRange(what: String, value: Double, range: ClosedRange<Double>, fix: String)
    /// A characterization result file is malformed.
    case invalidTable(file: String, message: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "\(file): cannot read the file (\(reason)). Fix: check the path and permissions."
        case .malformedXML(let file, let issues):
            return issues.map { "\(file):\($0.line): not well-formed XML: \($0.message)" }.joined(separator: "\n")
                + "\nFix: repair the XML syntax at the line shown."
        case .invalidSchema(let file, let issues):
            return issues.map { "\(file):\($0.line): schema error: \($0.message)" }.joined(separator: "\n")
                + "\nFix: the schema must compile; restore pdk/kn-pdk.xsd from the repository."
        case .schemaViolation(let file, let schema, let issues):
            return issues.map { "\(file):\($0.line): \($0.message)" }.joined(separator: "\n")
                + "\nFix: change the element at that line so that it follows \(schema)."
        case .inconsistent(let file, let line, let message, let fix):
            return "\(file):\(line): \(message). Fix: \(fix)"
        case .unknownName(let file, let kind, let name, let known):
            return "\(file): no \(kind) named '\(name)'. Fix: use one of \(known.joined(separator: ", "))."
        case .modelsNotInstalled(let process, let missing, let fix):
            return "\(process): foundry model file missing: \(missing). Fix: \(fix)"
        case .simulationFailed(let netlist, let status, let output):
            return "\(netlist): ngspice exited with status \(status):\n\(output)\nFix: read the ngspice messages above; the netlist is kept next to them."
        case .unexpectedSimulatorOutput(let file, let message):
            return "\(file): \(message). Fix: check that ngspice wrote the requested vectors (ngspice 39 or newer)."
        case .outOfRange(let what, let value, let range, let fix):
            return "\(what) = \(value) lies outside the characterized range \(range.lowerBound)…\(range.upperBound). Fix: \(fix)"
        case .invalidTable(let file, let message):
            return "\(file): \(message). Fix: regenerate it with `kn-map pdk characterize`."
        }
    }
}
