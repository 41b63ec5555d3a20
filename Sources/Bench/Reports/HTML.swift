/// Text placed in an HTML page (the report, the dashboard).
public enum HTML {
    /// `text` with the characters that HTML gives a meaning to, in content and in quoted
    /// attribute values, replaced by their entities.
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
