import CLibXML2
import Foundation

/// Collects libxml2's structured errors for one call. Owned by the call, passed to libxml2 as its
/// user pointer, and never stored globally.
private final class IssueCollector {
    var issues: [XMLIssue] = []
}

/// The C callback libxml2 calls for every error or warning; it appends to the collector it is given.
private func collectIssue(_ context: UnsafeMutableRawPointer?, _ error: xmlErrorPtr?) {
    guard let context, let error else { return }
    let collector = Unmanaged<IssueCollector>.fromOpaque(context).takeUnretainedValue()
    let message = error.pointee.message.map { String(cString: $0) } ?? "unknown libxml2 error"
    collector.issues.append(XMLIssue(
        line: Int(error.pointee.line),
        message: message.trimmingCharacters(in: .whitespacesAndNewlines)))
}

/// A parsed, schema-valid XML document. Owns the libxml2 document and frees it.
final class ValidatedXMLDocument {
    let pointer: xmlDocPtr
    let file: String

    fileprivate init(pointer: xmlDocPtr, file: String) {
        self.pointer = pointer
        self.file = file
    }

    deinit { xmlFreeDoc(pointer) }

    /// The root element.
    var root: XMLElementView? {
        xmlDocGetRootElement(pointer).map { XMLElementView(node: $0) }
    }
}

/// A read-only view of one element of a ``ValidatedXMLDocument``; valid while the document lives.
struct XMLElementView {
    let node: xmlNodePtr

    var name: String { String(cString: node.pointee.name) }
    var line: Int { Int(xmlGetLineNo(node)) }

    /// The value of an attribute (no namespace), or nil.
    func attribute(_ name: String) -> String? {
        var attribute = node.pointee.properties
        while let current = attribute {
            if String(cString: current.pointee.name) == name {
                guard let text = current.pointee.children, let content = text.pointee.content else { return "" }
                return String(cString: content)
            }
            attribute = current.pointee.next
        }
        return nil
    }

    /// Child elements, optionally only those with a given local name.
    func children(_ name: String? = nil) -> [XMLElementView] {
        var result: [XMLElementView] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE {
                let view = XMLElementView(node: current)
                if name == nil || view.name == name { result.append(view) }
            }
            child = current.pointee.next
        }
        return result
    }

    func child(_ name: String) -> XMLElementView? { children(name).first }

    /// The concatenated text content.
    var text: String {
        guard let content = xmlNodeGetContent(node) else { return "" }
        defer { content.deallocate() }
        return String(cString: content)
    }
}

/// Validates XML files against an XSD with libxml2 (`xmlSchemaValidateDoc`).
enum XMLSchemaValidator {
    /// Parses `file`, validates it against `schema`, and returns the document.
    ///
    /// - Throws: ``ProcessError/malformedXML(file:issues:)`` when the file is not well-formed,
    ///   ``ProcessError/invalidSchema(file:issues:)`` when the schema does not compile, and
    ///   ``ProcessError/schemaViolation(file:schema:issues:)`` with the line of every violation.
    static func parseAndValidate(file: URL, schema: URL) throws -> ValidatedXMLDocument {
        xmlInitParser()
        let collector = IssueCollector()
        let context = Unmanaged.passUnretained(collector).toOpaque()

        guard FileManager.default.isReadableFile(atPath: schema.path) else {
            throw ProcessError.unreadable(file: schema.path, reason: "schema file not found")
        }
        guard FileManager.default.isReadableFile(atPath: file.path) else {
            throw ProcessError.unreadable(file: file.path, reason: "file not found")
        }

        // Schema.
        guard let parserContext = xmlSchemaNewParserCtxt(schema.path) else {
            throw ProcessError.unreadable(file: schema.path, reason: "libxml2 could not open the schema")
        }
        defer { xmlSchemaFreeParserCtxt(parserContext) }
        xmlSchemaSetParserStructuredErrors(parserContext, collectIssue, context)
        let compiled = withStructuredErrors(context) { xmlSchemaParse(parserContext) }
        guard let compiled else {
            throw ProcessError.invalidSchema(file: schema.path, issues: collector.issues)
        }
        defer { xmlSchemaFree(compiled) }
        collector.issues.removeAll()

        // Document. Parser errors go to the structured handler, set only for this call.
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOENT.rawValue)
        let document = withStructuredErrors(context) {
            xmlReadFile(file.path, nil, options)
        }
        guard let document else {
            throw ProcessError.malformedXML(file: file.path, issues: collector.issues)
        }
        let owned = ValidatedXMLDocument(pointer: document, file: file.path)
        collector.issues.removeAll()

        // Validation.
        guard let validContext = xmlSchemaNewValidCtxt(compiled) else {
            throw ProcessError.invalidSchema(file: schema.path, issues: [XMLIssue(line: 0, message: "cannot create a validation context")])
        }
        defer { xmlSchemaFreeValidCtxt(validContext) }
        xmlSchemaSetValidStructuredErrors(validContext, collectIssue, context)
        let status = withStructuredErrors(context) { xmlSchemaValidateDoc(validContext, document) }
        if status != 0 {
            let issues = collector.issues.isEmpty
                ? [XMLIssue(line: 0, message: "libxml2 reported status \(status) without a message")]
                : collector.issues
            throw ProcessError.schemaViolation(file: file.path, schema: schema.lastPathComponent, issues: issues)
        }
        return owned
    }

    /// Runs `body` with libxml2's thread-local structured error handler pointing at `context`, and
    /// restores the default handler afterwards so no state leaks to other callers.
    private static func withStructuredErrors<T>(_ context: UnsafeMutableRawPointer, _ body: () -> T) -> T {
        xmlSetStructuredErrorFunc(context, collectIssue)
        defer { xmlSetStructuredErrorFunc(nil, nil) }
        return body()
    }
}
