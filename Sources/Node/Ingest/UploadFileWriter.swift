/// An upload's file, open for writing (``UploadFileSystem/create(_:)``).
public protocol UploadFileWriter: AnyObject {
    /// Appends every byte of `bytes` (retrying short writes), or throws the first failure.
    func write(_ bytes: UnsafeRawBufferPointer) throws(UploadIOError)
    /// Closes the file; a failure here means the content may not all be stored.
    func close() throws(UploadIOError)
}
