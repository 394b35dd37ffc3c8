import Foundation
import KNMap
import KNProcess

/// Loads a process description `pdk/<name>.xml` with its gm/ID table `pdk/<name>.gmid.json`, as `map` and
/// `verify --flow ngspice-transistor` need them.
enum ProcessCatalog {
    static func load(_ name: String) throws -> DeviceCatalog {
        let xml = try ToolkitFolders.processDescription(name)
        let process = try ProcessDescription.load(contentsOf: xml)
        let table = try GmIDTable.read(from: xml.deletingLastPathComponent().appendingPathComponent("\(name).gmid.json"))
        return try DeviceCatalog(process: process, lookup: GmIDLookup(table: table))
    }
}
