import Foundation

/// FNV-1a 64 of bytes, as 16 hex digits (to recognise a model, circuit or inputs file, not for security).
public func fnv1a64(_ data: Data) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in data { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    return String(format: "%016llx", h)
}
