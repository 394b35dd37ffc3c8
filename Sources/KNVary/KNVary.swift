// KNVary: see Package.swift.
