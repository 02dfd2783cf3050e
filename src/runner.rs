//! Every external command (make, patch, strip, sign-file, depmod, compressors, scripts) runs
//! through here: logged under --verbose, streamed to the console and make.log, typed failures.
