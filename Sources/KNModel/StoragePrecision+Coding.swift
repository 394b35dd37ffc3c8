import Foundation

extension StoragePrecision {
    /// Decodes `count` values from raw bytes, promoting each exactly to `Double`.
    ///
    /// - Parameters:
    ///   - bytes: at least `count * byteWidth` bytes, starting at the first element.
    ///   - bigEndian: the byte order of the storage (torch writes little endian unless its `byteorder` record says otherwise).
    public func decode(_ bytes: UnsafeRawBufferPointer, count: Int, bigEndian: Bool = false) -> [Double] {
        precondition(bytes.count >= count * byteWidth)
        return [Double](unsafeUninitializedCapacity: count) { out, initialized in
            switch self {
            case .float32:
                for i in 0..<count {
                    var bits = bytes.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
                    bits = bigEndian ? UInt32(bigEndian: bits) : UInt32(littleEndian: bits)
                    out[i] = Double(Float(bitPattern: bits))
                }
            case .float64:
                for i in 0..<count {
                    var bits = bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
                    bits = bigEndian ? UInt64(bigEndian: bits) : UInt64(littleEndian: bits)
                    out[i] = Double(bitPattern: bits)
                }
            case .float16:
                for i in 0..<count {
                    var bits = bytes.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)
                    bits = bigEndian ? UInt16(bigEndian: bits) : UInt16(littleEndian: bits)
                    out[i] = Self.halfToDouble(bits)
                }
            case .bfloat16:
                for i in 0..<count {
                    var bits = bytes.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)
                    bits = bigEndian ? UInt16(bigEndian: bits) : UInt16(littleEndian: bits)
                    out[i] = Double(Float(bitPattern: UInt32(bits) << 16))
                }
            }
            initialized = count
        }
    }

    /// Encodes values in this precision, little endian. Values must be representable (they are, when they were
    /// decoded from this precision); others are rounded to nearest.
    public func encode(_ values: [Double]) -> Data {
        var data = Data(count: values.count * byteWidth)
        data.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() {
                switch self {
                case .float32: raw.storeBytes(of: Float(v).bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
                case .float64: raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 8, as: UInt64.self)
                case .float16: raw.storeBytes(of: Self.doubleToHalf(v).littleEndian, toByteOffset: i * 2, as: UInt16.self)
                case .bfloat16:
                    raw.storeBytes(of: Self.floatToBFloat(Float(v)).littleEndian, toByteOffset: i * 2, as: UInt16.self)
                }
            }
        }
        return data
    }

    /// IEEE binary16 → Double, exact (including subnormals, infinities and NaN).
    static func halfToDouble(_ h: UInt16) -> Double {
        let sign: Double = (h & 0x8000) != 0 ? -1 : 1
        let exponent = Int((h >> 10) & 0x1F)
        let fraction = Double(h & 0x3FF)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }

    /// Double → IEEE binary16, round to nearest even.
    static func doubleToHalf(_ v: Double) -> UInt16 {
        if v.isNaN { return 0x7E00 }
        let sign: UInt16 = v.sign == .minus ? 0x8000 : 0
        let a = abs(v)
        if a >= 65520 { return sign | 0x7C00 }
        if a < 0x1p-14 {
            // Subnormal: multiples of 2^-24.
            return sign | UInt16((a * 0x1p24).rounded(.toNearestOrEven))
        }
        let e = Int(a.exponent)
        let m = (a.significand - 1) * 1024
        var bits = UInt16(e + 15) << 10
        let r = m.rounded(.toNearestOrEven)
        bits = bits &+ UInt16(r)  // r == 1024 carries into the exponent, as it should.
        return sign | bits
    }

    /// Float → bfloat16, round to nearest even.
    static func floatToBFloat(_ f: Float) -> UInt16 {
        if f.isNaN { return 0x7FC0 }
        let bits = f.bitPattern
        let rounding = UInt32(0x7FFF) + ((bits >> 16) & 1)
        return UInt16((bits &+ rounding) >> 16)
    }
}
