import Foundation

extension JSONEncoder {
    /// Sorted JSON in which infinities and NaN are the strings `inf`, `-inf` and `nan` (a σ ratio or an
    /// unmeasured value may be non-finite, which plain JSON cannot hold). `pretty` indents it for readers;
    /// large files such as `circuit.json` leave it off.
    public static func nonConforming(pretty: Bool = true) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }
}

extension JSONDecoder {
    /// Reads what ``JSONEncoder/nonConforming(pretty:)`` writes.
    public static var nonConforming: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}
