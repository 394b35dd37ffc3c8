import Foundation
import KNModel

/// Reading and writing `circuit.json` (format `kn-mapped-circuit-2`, see the KNMap DocC catalog).
public enum MappedCircuitFile {
    /// The encoder `kn-map map` uses: sorted keys, non-finite numbers as strings.
    public static var encoder: JSONEncoder { .nonConforming(pretty: false) }

    /// The file's bytes.
    public static func encode(_ circuit: MappedCircuit) throws -> Data { try encoder.encode(circuit) }

    /// Reads a `circuit.json`; the error names the file and what is wrong.
    public static func read(from url: URL) throws -> MappedCircuit {
        try decode(try contents(of: url), file: url)
    }

    /// The bytes of the `circuit.json` at `url` (to decode with ``decode(_:file:)`` and, for example, digest).
    public static func contents(of url: URL) throws -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw MapError.invalid("cannot read \(url.path): \(error.localizedDescription)", fix: "give the circuit.json that `kn-map map` wrote")
        }
    }

    /// Decodes the bytes of a `circuit.json` read from `url`; the error names the file and what is wrong.
    public static func decode(_ data: Data, file url: URL) throws -> MappedCircuit {
        do {
            let circuit = try JSONDecoder.nonConforming.decode(MappedCircuit.self, from: data)
            guard circuit.format == "kn-mapped-circuit-2" else {
                throw MapError.invalid("\(url.path): format '\(circuit.format)' is not kn-mapped-circuit-2", fix: "map the model again with this kn-map")
            }
            return circuit
        } catch let error as MapError {
            throw error
        } catch let DecodingError.keyNotFound(key, context) {
            throw MapError.invalid("\(url.path): missing key '\(key.stringValue)' at \(context.codingPath.map(\.stringValue).joined(separator: "."))",
                                   fix: "give the circuit.json that `kn-map map` wrote")
        } catch {
            throw MapError.invalid("\(url.path) is not a mapped circuit: \(error)", fix: "give the circuit.json that `kn-map map` wrote")
        }
    }
}
