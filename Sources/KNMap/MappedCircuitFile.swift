import Foundation

/// Reading and writing `circuit.json` (format `kn-mapped-circuit-2`, see the KNMap DocC catalog).
public enum MappedCircuitFile {
    /// The encoder `kn-map map` uses: sorted keys, non-finite numbers as strings.
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    /// The file's bytes.
    public static func encode(_ circuit: MappedCircuit) throws -> Data { try encoder.encode(circuit) }

    /// Reads a `circuit.json`; the error names the file and what is wrong.
    public static func read(from url: URL) throws -> MappedCircuit {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw MapError.invalid("cannot read \(url.path): \(error.localizedDescription)", fix: "give the circuit.json that `kn-map map` wrote")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            let circuit = try decoder.decode(MappedCircuit.self, from: data)
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
