import Foundation
import KNProcess

/// The process-description loader (`ProcessDescription.load`): libxml2 parsing, XSD validation against
/// `pdk/kn-pdk.xsd`, and the typed reader behind it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPDK(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let url = FuzzInput.file(bytes, count, extension: "xml")
    let schema = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("pdk/kn-pdk.xsd")
    do {
        let process = try ProcessDescription.load(contentsOf: url, schema: schema)
        if process.devices.isEmpty { fatalError("a schema-valid description without devices was accepted") }
    } catch {
        if "\(error)".isEmpty { fatalError("an error without a message") }
    }
    return 0
}
