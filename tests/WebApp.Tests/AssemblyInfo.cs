[assembly: Xunit.TestFramework("CollabEditor.Tests.TestRunFramework", "CollabEditor.WebApp.Tests")]
