[assembly: Xunit.TestFramework("CollabEditor.Tests.TestRunFramework", "CollabEditor.Data.Tests")]
