import Foundation
import KNImport

/// The `config.yaml` reader (`UpstreamConfig.parse`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    do {
        let config = try UpstreamConfig.parse(text, file: "config.yaml")
        if config.anchors.count != config.generators.count + 1 { fatalError("anchors and layers disagree") }
    } catch {
        if error.description.contains("\n") { fatalError("a multi-line error: \(error.description)") }
    }
    return 0
}
