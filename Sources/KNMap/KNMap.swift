// KNMap: see Package.swift.
